"""Themes in free text: the local embedding model (model.py) and the clustering that suggests themes
(clustering.py). The codebook's writes are in reporting/services_themes.py, its reads in reporting/selectors.py."""
