require "greeting"
puts Greeting.hello
