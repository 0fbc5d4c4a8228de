"""What every other folder uses: the options of a run (`settings`, declared through
`options`), results (`results`), the exceptions we raise (`errors`) and Pillow's and the
system's in plain words (`reasons`), Pillow's version differences (`compat`), the rules
for image modes (`modes`), and the only code that writes files (`writer`).

Nothing here imports another folder of the package.
"""
