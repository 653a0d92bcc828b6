//! Policy documents (§4.2). Being written on main.
