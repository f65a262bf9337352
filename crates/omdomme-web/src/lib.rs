//! The HTTP side of Omdømme: the JSON API, its OpenAPI document, sessions and roles.
