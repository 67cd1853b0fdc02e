"""The provider seam: shared types, errors, HTTP, retry, secrets, lifecycle, money, `Adapter`."""
