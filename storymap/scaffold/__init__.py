# Package data: the files `storymap new` copies into a new story folder.
