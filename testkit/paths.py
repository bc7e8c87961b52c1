"""Where things are: the checkout this kit belongs to (it is installed editable from it), and the
virtualenv's commands (`flask`, `gunicorn`) beside the running interpreter."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BACKEND = ROOT / "backend-flask"
FRONTEND = ROOT / "frontend-react-js"
BIN = Path(sys.executable).parent
