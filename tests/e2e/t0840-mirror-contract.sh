#!/bin/sh
# GitHub contract check of pushfix mirror's requests (Prism against the
# official OpenAPI description): the script lives with the contract deps.
exec sh "$(dirname "$0")/../contract/github.sh"
