import numpy as np
from palmerpenguins import load_penguins
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

penguins = load_penguins()
measurements = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
x, y = penguins[measurements].to_numpy(), penguins["species"].to_numpy()
rng = np.random.default_rng(0)
# a fifth of the values missing: imputation matters
x[rng.random(x.shape) < 0.2] = np.nan

gaps = []
# 20 random splits: the gap is small, so average it
for split in range(20):
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.3, stratify=y, random_state=split
    )
    # Wrong: imputer and scaler fitted on all rows, test rows included.
    preprocess = make_pipeline(SimpleImputer(), StandardScaler()).fit(x)
    leaky = KNeighborsClassifier().fit(preprocess.transform(x_train), y_train)
    leaky_accuracy = leaky.score(preprocess.transform(x_test), y_test)
    # Right: both fitted on the training rows only, inside the model's pipeline.
    model = make_pipeline(SimpleImputer(), StandardScaler(), KNeighborsClassifier())
    honest_accuracy = model.fit(x_train, y_train).score(x_test, y_test)
    gaps.append(leaky_accuracy - honest_accuracy)
print(f"leaky minus honest test accuracy over 20 splits: mean {np.mean(gaps):+.4f}, "
      f"from {min(gaps):+.3f} to {max(gaps):+.3f}")
