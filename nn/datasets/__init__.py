"""Data files shipped inside the package (no download ever); see README.txt for sources and licences.

Load them through `nn.data.load_digits()` and `nn.text.load_names()`.
"""
