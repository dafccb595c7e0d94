"""The Qt floor."""

import os

# QtMultimedia probes for optional libraries (PipeWire, VA-API) as soon as it loads and
# warns when they are absent; its FFmpeg backend plays recordings fine without them.
# The rule must be in place before the first Qt import, hence here.
QUIET_LOGGING_RULES = "qt.multimedia.symbolsresolver=false"
if QUIET_LOGGING_RULES not in os.environ.get("QT_LOGGING_RULES", ""):
    os.environ["QT_LOGGING_RULES"] = ";".join(filter(None, (os.environ.get("QT_LOGGING_RULES"), QUIET_LOGGING_RULES)))
