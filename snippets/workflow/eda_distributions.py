import matplotlib.pyplot as plt
from palmerpenguins import load_penguins

penguins = load_penguins()
fig, axes = plt.subplots(1, 2, figsize=(8, 3.2), num="distributions")
for species, group in penguins.groupby("species"):
    axes[0].hist(group["flipper_length_mm"].dropna(), bins=15, alpha=0.6, label=species)
    axes[1].hist(group["body_mass_g"].dropna(), bins=15, alpha=0.6, label=species)
axes[0].set(xlabel="flipper length (mm)", ylabel="penguins")
axes[1].set(xlabel="body mass (g)")
axes[0].legend()
fig.tight_layout()

median_mass = penguins.groupby("species")["body_mass_g"].median()
print(median_mass.to_string())
