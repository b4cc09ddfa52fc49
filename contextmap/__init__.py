"""ContextMap: contextual-risk mapping for children's services and police."""
