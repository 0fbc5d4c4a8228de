"""One image's work, from its bytes to the bytes that replace them.

Start at `pipeline`: a chain of values, read (`reading`) → opened → planned → encoded
→ checked → written, asking `rules` at each step whether the file is left alone.
`formats` holds one module per format, each with its record of what it can do;
`transforms`, `metadata` (EXIF) and `reductions` (PNG's exact reductions) change the
image on the way.
"""
