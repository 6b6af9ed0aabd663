import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import accuracy_score, mean_absolute_error, r2_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

# (442, 10), disease progression after a year
x, progression = load_diabetes(return_X_y=True)
x_train, x_test, p_train, p_test = train_test_split(
    x, progression, test_size=0.3, random_state=0
)

# Framing 1, regression: predict the progression itself.
# Success metric: MAE, in the target's units.
regressor = make_pipeline(StandardScaler(), LinearRegression()).fit(x_train, p_train)
mean_guess = DummyRegressor(strategy="mean").fit(x_train, p_train)
mae = mean_absolute_error(p_test, regressor.predict(x_test))
mae_mean_guess = mean_absolute_error(p_test, mean_guess.predict(x_test))
r2 = r2_score(p_test, regressor.predict(x_test))

# Framing 2, classification: "will it progress more than the typical patient?"
# The threshold is the median of the TRAINING targets (the test targets are not
# looked at). Success metric: accuracy, fair here because the classes are balanced
# by construction; ROC-AUC as the threshold-free check.
threshold = np.median(p_train)
y_train, y_test = (p_train > threshold).astype(int), (p_test > threshold).astype(int)
classifier = make_pipeline(StandardScaler(), LogisticRegression()).fit(x_train, y_train)
majority = DummyClassifier(strategy="most_frequent").fit(x_train, y_train)
accuracy = accuracy_score(y_test, classifier.predict(x_test))
accuracy_majority = accuracy_score(y_test, majority.predict(x_test))
auc = roc_auc_score(y_test, classifier.predict_proba(x_test)[:, 1])

# The regressor answers the classification question too: threshold its predictions.
accuracy_from_regressor = accuracy_score(y_test, regressor.predict(x_test) > threshold)

print(f"regression:     MAE {mae:.1f} (mean guess {mae_mean_guess:.1f}), R² {r2:.2f}")
print(f"classification: accuracy {accuracy:.3f} (majority {accuracy_majority:.3f}), "
      f"AUC {auc:.3f}")
print(f"regressor thresholded at the median: accuracy {accuracy_from_regressor:.3f}")
