import matplotlib.pyplot as plt
import pandas as pd
from palmerpenguins import load_penguins

penguins = load_penguins()
measurements = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
print(penguins[measurements].describe().round(1).to_string())

# Class balance: penguins per species, and per island.
species_counts = penguins["species"].value_counts()
by_island = pd.crosstab(penguins["island"], penguins["species"])
print(by_island.to_string())

fig, axes = plt.subplots(1, 2, figsize=(8, 3.2), num="class-balance")
species_counts.plot.bar(
    ax=axes[0], color="tab:blue", rot=0, title="penguins per species"
)
by_island.plot.bar(ax=axes[1], stacked=True, rot=0, title="species per island")
axes[0].set(xlabel="", ylabel="penguins")
axes[1].set(xlabel="", ylabel="penguins")
fig.tight_layout()
