"""The pattern registry: works, prior art, their images and the duplicate-check index."""

from fangdu.registry.services import IndexSync, RegistrationRefused, Registry

__all__ = ["IndexSync", "RegistrationRefused", "Registry"]
