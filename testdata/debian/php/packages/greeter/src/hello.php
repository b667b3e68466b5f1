<?php
namespace Acme\Greeter;
function hello() { return "hello"; }
