"""Code that runs inside the Rasa server (engine env): input channels with secret redaction."""
