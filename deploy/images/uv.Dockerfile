# The local stand-in for ghcr.io/astral-sh/uv: nothing but the uv binary at /uv, as there.
# Context: the folder deploy/images/bases.sh extracted PyPI's uv wheel into.
FROM scratch
COPY uv /uv
ENTRYPOINT ["/uv"]
