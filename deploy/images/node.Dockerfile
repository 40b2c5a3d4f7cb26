# The local stand-in for the official node image: the python base and this machine's Node.js
# (its node binary and npm folder, copied by bases.sh into the context's root/).
ARG BASE_IMAGE=meridian-local/python:3.11-bookworm
FROM ${BASE_IMAGE}
COPY root/ /
CMD ["node"]
