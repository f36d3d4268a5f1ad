"""The arena's web app (FastAPI routes that translate HTTP into calls of the arena part)
and the read-only viewer of runs and datasets (``fairclimb view``).

Pages are rendered on the server (Jinja2, autoescaped) with HTMX vendored as a static
file; there is no JavaScript build step and no CDN.
"""

from fairclimb.web._app import create_app
from fairclimb.web._serve import serve
from fairclimb.web._server import server_config
from fairclimb.web._viewer import create_viewer, serve_viewer

__all__ = ["create_app", "create_viewer", "serve", "serve_viewer", "server_config"]
