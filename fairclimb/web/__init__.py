"""The arena's web app: FastAPI routes that translate HTTP into calls of the arena part.

Pages are rendered on the server (Jinja2, autoescaped) with HTMX vendored as a static
file; there is no JavaScript build step and no CDN.
"""

from fairclimb.web._app import create_app, serve
from fairclimb.web._server import server_config

__all__ = ["create_app", "serve", "server_config"]
