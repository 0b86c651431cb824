"""`digest serve`'s preview: builds into a private folder, watches the inputs, serves the result.

builder.py runs the build it is handed (digest serve hands it the pipeline's) into a folder
the server owns; watch.py rebuilds it when digest.toml, a template or an entry changes;
pages.py turns a built issue into the preview pages; server.py answers HTTP and tells open
pages to reload. Nothing here imports a command or the pipeline.
"""
