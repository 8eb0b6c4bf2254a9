"""Use cases behind ``Services``: each module answers one family of questions."""
