"""`digest serve`'s preview: builds into a private folder, watches the inputs, serves the result.

builder.py runs the build it is handed (digest serve hands it the pipeline's) into a folder
the server owns; watch.py rebuilds it when digest.toml, a template, an entry or a decision
file changes; pages.py turns a built issue into the preview pages; server.py answers HTTP
and tells open pages to reload; desk_http.py admits the editor's desk's edits (same origin,
this run's token) and hands them to digest/desk.py. Nothing here imports a command or the
pipeline: what the desk shows of an issue is asked of a callable digest serve hands in too.
"""
