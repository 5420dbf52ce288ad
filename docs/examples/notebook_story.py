"""A tiny story map made in a notebook, one cell per comment block. Run it as a script too:
`python docs/examples/notebook_story.py` writes site/index.html (and my-story/, a story folder)."""

# %% [1] Two layers as GeoDataFrames: mines as points in UTM 32N (EPSG:25832), and the city centre.
import geopandas as gpd
from shapely.geometry import Point

import storymap

mines = gpd.GeoDataFrame(
    {"name": ["Zeche Hannover", "Zeche Lothringen"], "opened": [1857, 1872], "closed": [1973, 1967]},
    geometry=[Point(7.1528, 51.4958), Point(7.2651, 51.5128)],
    index=["hannover", "lothringen"],  # the feature ids a chapter highlights
    crs="EPSG:4326",
).to_crs("EPSG:25832")  # any CRS: the story reprojects to longitude/latitude
centre = gpd.GeoDataFrame({"name": ["Bochum city centre"]}, geometry=[Point(7.2162, 51.4818)],
                          index=["centre"], crs="EPSG:4326")

# %% [2] The story, its layers and chapters.
story = storymap.Story(title={"en": "Coal to Code", "de": "Von Kohle zu Code"}, languages=["en", "de"],
                       view={"center": [51.48, 7.22], "zoom": 12})
story.add_layer("mines", mines, title={"en": "Former mines", "de": "Ehemalige Zechen"},
                style={"color": "#333333"}, popup=["name", "closed"], time={"start": "opened", "end": "closed"})
story.add_layer("centre", centre, title={"en": "City centre", "de": "Innenstadt"}, kind="context")
story.add_chapter("coal", title={"en": "Coal", "de": "Kohle"},
                  text={"en": "Bochum's mines closed between 1960 and 1973.",
                        "de": "Bochums Zechen schlossen zwischen 1960 und 1973."},
                  view={"fit": ["mines"]}, layers=["mines"], highlight=["hannover"])
story.add_chapter("city", title={"en": "The city", "de": "Die Stadt"},
                  text={"en": "The centre lies between them.", "de": "Die Innenstadt liegt dazwischen."},
                  view={"center": [51.4818, 7.2162], "zoom": 14}, layers=["centre", "mines"])

# %% [3] Check it: errors raise storymap.StoryError; warnings arrive as Python warnings.
story.check()

# %% [4] In a notebook, the last expression of a cell shows the page inline (offline):
story.show(height=500)

# %% [5] Write the site, and the story as a folder that `storymap build my-story` builds the same.
story.save("site")
story.to_folder("my-story", overwrite=True)
