from meshgen.cli import run

run()
