"""The diff command: its options (`options`) and its command line (`command`).

The maps themselves are drawn by `draw.diffmap`, with `measure.pixelmatch`.
"""
