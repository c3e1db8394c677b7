"""MNIST's four original IDX files (gzipped), installed with scratchnn as the package ``scratchnn.mnist``
(see pyproject.toml) so that every install, editable or not, has them. ``scratchnn.datasets`` reads them."""
