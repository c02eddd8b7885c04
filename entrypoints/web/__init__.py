"""The bulk-invite web page (``refsync web``): upload a sheet, preview, send, results, history.

::

    app = create_app(WebConfig(data_dir=Path(".refsync/web"), mappings_dir=Path("mappings"),
                               config=Path("refsync.toml")))
"""

from entrypoints.web.app import create_app
from entrypoints.web.config import WebConfig

__all__ = ["WebConfig", "create_app"]
