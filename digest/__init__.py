"""digest: weekly news digests and yearly highlights from feeds and Markdown entries."""

__version__ = "0.1.0"
