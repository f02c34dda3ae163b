from pilot.cli import app

app(prog_name="rto")
