import matplotlib.pyplot as plt
from palmerpenguins import load_penguins

penguins = load_penguins()
measurements = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
# Pearson, pairwise complete rows
correlations = penguins[measurements].corr()
print(correlations.round(2).to_string())

fig, ax = plt.subplots(figsize=(5.5, 4.5), num="correlations")
image = ax.imshow(correlations, cmap="coolwarm", vmin=-1, vmax=1)
labels = [
    name.removesuffix("_mm").removesuffix("_g").replace("_", " ")
    for name in measurements
]
ax.set_xticks(range(4), labels, rotation=30, ha="right")
ax.set_yticks(range(4), labels)
for i in range(4):
    for j in range(4):
        ax.text(
            j, i, f"{correlations.iloc[i, j]:.2f}",
            ha="center", va="center", fontsize=11,
        )
fig.colorbar(image, ax=ax, label="correlation")
fig.tight_layout()

# The same pair within each species.
within = {species: group["bill_length_mm"].corr(group["bill_depth_mm"])
          for species, group in penguins.groupby("species")}
print({species: round(r, 2) for species, r in within.items()})

fig, ax = plt.subplots(figsize=(5.5, 4), num="bill-scatter")
for species, group in penguins.groupby("species"):
    ax.scatter(group["bill_length_mm"], group["bill_depth_mm"], s=12, label=species)
ax.set(xlabel="bill length (mm)", ylabel="bill depth (mm)")
ax.legend()
fig.tight_layout()
