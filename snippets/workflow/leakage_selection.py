import numpy as np
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

# Pure noise: 200 samples, 5,000 random features, random labels. Nothing can be learned.
rng = np.random.default_rng(0)
x = rng.normal(size=(200, 5000))
y = rng.integers(0, 2, size=200)
x_train, x_test, y_train, y_test = train_test_split(
    x, y, test_size=0.5, stratify=y, random_state=0
)

# Wrong: choose the 20 features most related to the label on ALL the data, then split.
selector = SelectKBest(f_classif, k=20).fit(x, y)
leaky = LogisticRegression().fit(selector.transform(x_train), y_train)
leaky_accuracy = leaky.score(selector.transform(x_test), y_test)

# Right: the selection is a step of the model, fitted with it on the training split
# only.
model = make_pipeline(SelectKBest(f_classif, k=20), LogisticRegression())
model.fit(x_train, y_train)
honest_accuracy = model.score(x_test, y_test)
print(f"test accuracy on pure noise: selection on all data {leaky_accuracy:.2f}, "
      f"inside the pipeline {honest_accuracy:.2f}")
