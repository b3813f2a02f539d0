"""The two kinds of destination a source can have (the `kind` column of `destinations`)."""

ACTIONS_KIND = "customerio-actions"
CLASSIC_KIND = "customerio-classic"
