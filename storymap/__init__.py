"""storymap: GeoJSON layers and Markdown chapters in, a static scroll-driven Leaflet story map out."""

__version__ = "0.1.0"

__all__ = ["Story", "StoryError", "__version__"]


def __getattr__(name: str):
    # The Python API (storymap.Story) loads on first use: `import storymap` alone stays light.
    if name == "Story":
        from .api import Story

        return Story
    if name == "StoryError":
        from .errors import StoryError

        return StoryError
    raise AttributeError(f"module 'storymap' has no attribute {name!r}")
