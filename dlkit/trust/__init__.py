"""Trustworthy models: attacks and adversarial training, attribution checks, differential privacy, model cards.

Import the part you need (``from dlkit.trust.attacks import fgsm``); this package imports nothing optional, so
``dlkit.trust.privacy`` alone needs Opacus.
"""
