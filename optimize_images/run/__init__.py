"""Running many files: finding them (`discovery`), one run per tree (`lock`), the
pool of processes, threads or a loop (`runner`), a Dask cluster (`cluster`), watch
mode (`watch`), and what a run prints and writes (`report`, `html_report`)."""
