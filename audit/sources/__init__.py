"""The source archive: snapshots of the pages records quote, and checks of quotes against them.

archive   snapshot folders named by sha256 (store, load and check them)
fetch     fetch one page with timeouts, a size cap and an on-site redirect policy
text      the readable text of an archived body
quotes    normalised quote matching (ellipses join pieces in order)
verify    a record's cited snapshots and quotes, checked against its archive
"""
