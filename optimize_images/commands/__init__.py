"""What the command line does besides optimizing: `-i` (`imageinfo`), and the `diff`
and `compare` commands, each a folder of its options and its work."""
