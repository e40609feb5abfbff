"""ComfyJobs webhook bridge: posts ComfyUI's execution events as signed webhooks.

A ComfyUI custom node package without nodes. Importing it (ComfyUI does so at
start-up) installs the bridge when COMFYJOBS_WEBHOOK_URL is set; see README.md.
"""

from .hook import start

NODE_CLASS_MAPPINGS = {}
NODE_DISPLAY_NAME_MAPPINGS = {}

start()
