"""Field types shared by the API's request schemas, so the OpenAPI document states each rule the
handlers enforce."""

from typing import Annotated

from pydantic import Field

# Text that must say something: blank or whitespace-only text is refused by the actions.
NonBlank = Annotated[str, Field(pattern=r"\S", description="not blank")]
