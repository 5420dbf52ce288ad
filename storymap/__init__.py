"""storymap: GeoJSON layers and Markdown chapters in, a static scroll-driven Leaflet story map out."""

__version__ = "0.1.0"

__all__ = ["__version__"]
