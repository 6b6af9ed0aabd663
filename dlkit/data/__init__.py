"""Data modules: in-memory arrays, scikit-learn's bundled datasets, images on disk, text, series and generated tasks.

Every data module is a ``SplitDataModule`` (``dlkit.data.base``): one seeded stratified split function
(``split_indices``), one fraction check and one DataLoader factory. Import from here (``from dlkit.data import
DigitsDataModule``) or from the module that defines a name (``dlkit.data.vision``).
"""

from dlkit.data.arrays import ArrayDataModule
from dlkit.data.augment import AugmentedDataModule, TransformedDataset
from dlkit.data.base import SplitDataModule, TensorDataModule, check_fractions, make_dataloader, split_indices
from dlkit.data.corpus import CharCorpusDataModule, Vocabulary, python_reference_corpus, site_pages_corpus
from dlkit.data.scenes import SCENE_CLASSES, Scenes, make_scenes
from dlkit.data.seq2seq import NumberWordsDataModule, number_to_words
from dlkit.data.sequences import long_range_sequences
from dlkit.data.structured import topic_sequences
from dlkit.data.text import TextDataModule, TweetsDataModule, WordVocabulary, load_tweets, pad_sequences, tokenize
from dlkit.data.timeseries import ForecastDataModule, load_series, make_windows
from dlkit.data.toy import DATASETS, DigitsDataModule, ToyDataModule, load_toy_dataset
from dlkit.data.vision import (
    CIFAR10DataModule,
    FashionMNISTDataModule,
    ImageFolderDataModule,
    MNISTDataModule,
    VisionDataModule,
    expected_files,
)

__all__ = [
    # the base every data module shares
    "SplitDataModule",
    "TensorDataModule",
    "split_indices",
    "check_fractions",
    "make_dataloader",
    # data modules
    "ArrayDataModule",
    "ToyDataModule",
    "DigitsDataModule",
    "VisionDataModule",
    "MNISTDataModule",
    "FashionMNISTDataModule",
    "CIFAR10DataModule",
    "ImageFolderDataModule",
    "AugmentedDataModule",
    "CharCorpusDataModule",
    "TextDataModule",
    "TweetsDataModule",
    "ForecastDataModule",
    "NumberWordsDataModule",
    # datasets, vocabularies and generators
    "DATASETS",
    "load_toy_dataset",
    "expected_files",
    "TransformedDataset",
    "Vocabulary",
    "WordVocabulary",
    "python_reference_corpus",
    "site_pages_corpus",
    "tokenize",
    "pad_sequences",
    "load_tweets",
    "load_series",
    "make_windows",
    "number_to_words",
    "topic_sequences",
    "long_range_sequences",
    "Scenes",
    "SCENE_CLASSES",
    "make_scenes",
]
