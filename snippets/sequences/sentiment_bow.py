import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression

from dlkit.data.text import TweetsDataModule, tokenize

# the same split
datamodule = TweetsDataModule(
    classes=("negative", "positive"), num_samples=4000, seed=0
)
texts, labels = datamodule.texts, datamodule.labels

# Majority class: always predict the most frequent class of the training split.
majority = np.bincount(labels["train"]).argmax()
majority_acc = float((labels["test"] == majority).mean())

# Bag of words: word counts (same tokenizer, vocabulary
# fitted on the training texts) + logistic regression.
vectorizer = CountVectorizer(
    tokenizer=tokenize, lowercase=False, token_pattern=None, min_df=2
)
bow = LogisticRegression(max_iter=2000).fit(
    vectorizer.fit_transform(texts["train"]), labels["train"]
)
bow_acc = bow.score(vectorizer.transform(texts["test"]), labels["test"])
print(f"majority class {majority_acc:.3f}, bag of words {bow_acc:.3f}")
