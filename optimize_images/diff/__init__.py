"""The diff command: its options (`options`) and its command line (`command`).

The maps themselves are drawn by `optimize_images.diffmap` and `optimize_images.pixelmatch`.
"""
