"""`flask --app app seed`: load the demo data into an empty database."""
import click

from .seed import seed_demo_data


@click.command("seed")
def seed_command():
    """Load the demo users, cruds, replies and conversation (only into an empty database)."""
    created = seed_demo_data()
    click.echo(f"seeded {created} demo rows" if created else "database not empty; seed skipped")


def init_app(app):
    app.cli.add_command(seed_command)
