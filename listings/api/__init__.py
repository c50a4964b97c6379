"""The listings app's REST API (DRF): input serializer -> service -> output serializer."""
