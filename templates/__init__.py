# Present so that setuptools can ship this folder as the package `storymap.templates`
# (see [tool.setuptools.package-dir] in pyproject.toml); the folder holds only templates.
