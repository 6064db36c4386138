"""Tools that work on other repositories than this one (see tools/handover)."""
