import numpy as np
import pandas as pd
from palmerpenguins import load_penguins

MEASUREMENTS = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
# What a penguin can physically measure (domain knowledge, not fitted on data):
# outside is an error.
POSSIBLE = {"bill_length_mm": (20, 80), "bill_depth_mm": (5, 30),
            "flipper_length_mm": (100, 300), "body_mass_g": (1000, 10_000)}
# real gaps: 2 penguins unmeasured, 11 without a sex
penguins = load_penguins()

# The errors a field table collects, added to a copy at known places, so that the
# cleaning can be checked:
rng = np.random.default_rng(0)
dirty = penguins.copy()
rows = rng.choice(dirty.dropna().index, size=9, replace=False)
# 3 masses typed in kilograms: 3.75 "g"
dirty.loc[rows[:3], "body_mass_g"] /= 1000
# 2 flipper lengths with an extra digit: 1950 mm
dirty.loc[rows[3:5], "flipper_length_mm"] *= 10
dirty.loc[rows[5], "bill_depth_mm"] *= -1         # 1 negative bill depth
# 2 possible but extreme masses: outliers
dirty.loc[rows[6:8], "body_mass_g"] = [8800.0, 9100.0]
dirty.loc[rows[8], "sex"] = "MALE "               # 1 label typed differently
pasted_twice = dirty.dropna().drop(index=rows).sample(n=8, random_state=0)
dirty = pd.concat([dirty, pasted_twice], ignore_index=True)   # 8 records entered twice


def impossible(table):
    """True where a measurement lies outside what a penguin can measure."""
    measured = table[MEASUREMENTS]
    lows, highs = zip(*(POSSIBLE[column] for column in MEASUREMENTS))
    return measured.notna() & ((measured < list(lows)) | (measured > list(highs)))


def problems(table):
    """How many of each problem a penguins table has."""
    return {
        "rows": len(table),
        "duplicate rows": int(table.duplicated().sum()),
        "missing values": int(table[MEASUREMENTS + ["sex"]].isna().sum().sum()),
        "impossible values": int(impossible(table).sum().sum()),
        "sex labels": sorted(table["sex"].dropna().unique()),
    }


before = problems(dirty)
print(before)
