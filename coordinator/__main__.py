"""The ``sinergi`` command (also ``python -m coordinator``): Flask's CLI group with Sinergi's own
commands (:mod:`coordinator.cli`), on the app :func:`coordinator.create_app` builds."""
from __future__ import annotations

from flask.cli import FlaskGroup

from coordinator import create_app

main = FlaskGroup(create_app=create_app, help="Sinergi: coordination tracker of the gugus tugas.")

if __name__ == "__main__":
    main()
